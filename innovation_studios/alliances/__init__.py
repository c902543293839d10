"""Studio alliances (创新工作室联盟) and their joint projects."""
