"""Programme monitoring: goal tree, KPIs with a PDCA cycle, projects and their effect."""
