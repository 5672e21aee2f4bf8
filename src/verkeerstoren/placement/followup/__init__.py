"""The request page after the request was made: details, releasing a hold, live events."""
