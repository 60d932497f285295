"""GraphQL schema: types, queries, mutations, subscriptions, dataloaders."""
