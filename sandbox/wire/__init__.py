"""What every API simulator shares: transport faults, request stats, money and timestamps."""
