"""Sample data: the bundled Hai Phong months (data/raw/2024-01, 2024-02) and synthetic months of
any size for benchmarks and scale tests."""
