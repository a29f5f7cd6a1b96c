"""Contactability: calling policy, built-in jurisdiction rules, "can I call this number now".

``rules.evaluate`` is pure (no database, no clock); ``zones`` and ``jurisdictions`` find a
contact's time zones and jurisdictions from maintained data (tzdata, zipcodes, phonenumbers).
"""
