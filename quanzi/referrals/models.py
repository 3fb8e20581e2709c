"""Share links, visits through them, the share tree, and attributions of orders to sharers."""
