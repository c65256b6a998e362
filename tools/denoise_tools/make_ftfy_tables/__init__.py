"""Writes @denoise/tokenizer's ftfy data tables and the ftfy/CLIP reference cases its tests check."""
