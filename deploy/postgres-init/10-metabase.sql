create database metabase;
