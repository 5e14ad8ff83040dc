"""Weekly Security Hub compliance report: failed controls first, to the lake and the info topic."""
