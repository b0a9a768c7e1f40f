"""What several components share: the column table and kind names
(`feature_kinds`), and the reading of the Transform output
(`transformed_data`).
"""
