print("udpchat")
