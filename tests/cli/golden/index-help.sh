# quarry-index --help, in full
quarry-index --help
