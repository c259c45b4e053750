# quarry-query --help, in full (the defaults it prints come from lib/search)
quarry-query --help
