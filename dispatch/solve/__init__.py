"""Turn a built model into numbers: HiGHS, exact strict solve, the fast auto method, diagnosis."""
