"""gospubliki: monitoring of official social-media pages of Russian public bodies."""
