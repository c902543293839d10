"""Studios themselves: applications, teams and leaders, the union's check, expert review
and naming, lists, the public directory."""
