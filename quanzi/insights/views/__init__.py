"""The insights pages of the merchant console, one module per tab."""
