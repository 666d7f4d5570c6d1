// Tests for the live source arrive with it (issue 3).
