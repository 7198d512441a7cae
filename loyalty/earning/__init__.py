"""How much a purchase or an action earns: a pipeline of small pure steps."""
