// Tests for the state store arrive with it (issue 3).
