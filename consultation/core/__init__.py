"""What every domain uses: permissions, markup, jobs, signals, errors, pagination, mixins."""
