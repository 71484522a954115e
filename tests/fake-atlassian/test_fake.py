# test_fake.py: checks the fake Atlassian against its README (being written; skipped until then)
import sys
sys.exit(77)
