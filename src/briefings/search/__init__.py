"""Search: a full-text index of the questions and answers (`index`), kept in the user's cache folder."""
