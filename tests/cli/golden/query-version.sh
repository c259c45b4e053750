# quarry-query --version (the xapian-core version is normalised)
quarry-query --version
