"""SQL of account matching: finding and ranking suggestions, and the decisions on them."""
