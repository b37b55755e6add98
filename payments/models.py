# Nothing yet: this app grows with its issue.
