"""Contacts of a list: adding (Kore's addContacts and our batch), paging, reading, deleting."""
