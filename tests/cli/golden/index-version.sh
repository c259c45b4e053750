# quarry-index --version
quarry-index --version
