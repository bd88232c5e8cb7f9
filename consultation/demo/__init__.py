"""Demo data: `flask demo load` fills an empty database with realistic French content.

The content (accounts, projects, proposals, comments) is in data.py, drawn from the opinion of
the Conseil de développement on the digital strategy of Brest métropole; cli.py loads it
through the domain services so that every counter stays exact.
"""
