"""Phone numbers: E.164, validity, line type, region and time zone (wraps phonenumbers)."""
