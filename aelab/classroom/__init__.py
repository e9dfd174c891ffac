"""A class as one: join codes, the store of its drawings and the teacher's pin (never imports streamlit).

`store.ClassStore` keeps classes in SQLite (default) or PostgreSQL; `codes` holds the rules of codes,
tokens and nicknames; `training` fine-tunes the AE and the VAE on a class's digits.
"""
