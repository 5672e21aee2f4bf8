"""The provider's file upload and pull addresses: pages only (the importer and the pull are
capacity's own modules)."""
