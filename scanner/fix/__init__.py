"""`iacgate fix`: safe, reviewable fixes applied where the bad value was really set.

spec.py is what a check declares; locate.py finds where the edit lands; model.py judges the fix on the
evaluated resource; hcl.py, yamltext.py and dockerfile.py edit the text; stage.py runs it all on a
scan's result; diff.py renders the change for review.
"""
