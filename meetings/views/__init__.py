"""The meetings pages, one module per subject: meetings and their record, the agenda and
decisions, action items, whistles, and the tier dashboards. Each view is thin: input
through a form, objects through the user's scope (outside it: 404), one service call."""
