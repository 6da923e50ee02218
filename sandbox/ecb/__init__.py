"""The ECB's euro foreign exchange reference rates, simulated for the world's currencies."""
