"""Building the coding screen: data, ticket model, notebooks, proof, leak check, sample bank."""
