"""The topic language: parsing, compiling, indexing and ranking queries against paper text.

Pure: it imports nothing else of the project and nothing from Django, so it is tested without a
database and type-checked as a whole.
"""
