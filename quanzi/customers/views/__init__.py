"""The customers pages of the merchant console: /customers/console/<store>/…"""
