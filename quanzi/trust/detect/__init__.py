"""The detectors of trust and safety, as pure code over plain records (no database, no Django):
the analysis task loads the records from the site's rows (`quanzi.trust.collect`), the injection
benchmark (`bench/trust.py`) generates them; both run the same `analyse`."""
