"""What both apps lean on: the clock, signed links, account emails, rate limits and health."""
