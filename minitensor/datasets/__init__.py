"""Datasets (being written)"""
