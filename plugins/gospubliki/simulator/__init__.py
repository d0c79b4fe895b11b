"""A deterministic simulated world of official pages and an HTTP emulator of the VK API.

``world.build_world(Scale.from_name("region"), seed=1)`` → institutions and pages;
``registry.write_registry_csv`` → the registry CSV; ``server.start_in_thread(world)`` → the VK API
over HTTP on 127.0.0.1 that the real ``vk_api`` client talks to.
"""
