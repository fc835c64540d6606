"""Practica's database: declarative base, engine and sessions."""
