"""The program file: what the program offers, validated, versioned and served."""
