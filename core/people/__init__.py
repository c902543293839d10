"""People: worker records kept by enterprise unions."""
