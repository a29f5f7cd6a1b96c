"""CRM contacts (contract §4): a separate resource with 24-hex ids and no envelope."""
