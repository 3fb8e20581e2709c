"""Referral pages, one module per area: share links and posters (`shares`), the promoter
centre and the merchant's distribution console (`promoter`, `console`), withdrawals and share
rewards."""
