"""Organizations: the federation, district and industry unions, and enterprises."""
