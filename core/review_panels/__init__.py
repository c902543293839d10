"""Expert review panels, shared by every feature that has experts score applications:
rubrics, panels and members, conflict-of-interest exclusions, independent scores, and the
aggregation (trimmed mean) with disagreement flags."""
