"""The local AWS emulator: moto's server with the fixes that make it answer like AWS."""
