"""A studio's records: achievements with their evidence, funding grants and their use."""
