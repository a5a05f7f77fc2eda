"""The CPA portal (`/cpa/…`): the seed's chapter 2 in a browser, over the same use cases as `/api/v1/cpa`."""
