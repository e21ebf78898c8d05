"""Extraction: a document's bytes to a :class:`~kg.models.Plan`, one module per stage, in this order.

1. ``reading``: bytes (.txt, .docx, .pdf, .html) to the document's text, the text every span indexes.
2. ``normalising``: a copy for matching (simplified characters, half-width digits, numbers unspaced, page
   noise dropped, line breaks before inline numbering) with an offset map back to the original.
3. ``numbering`` and ``segmenting``: heading markers, chained into the tree of sections and measures.
4. ``header``: title, 文号, issue date, issuer, year, region and level.
5. Per measure: ``roles`` (who, in which role, one grammar for every place agencies are written) over
   ``names`` (lists of names split, cleaned, suffixes shared) with ``agencies`` (canonical body,
   jurisdiction, type); ``deadlines``; ``concepts`` (pollutants, sectors);
   ``targets``.
6. ``quality``: flags an analyst should review.
7. ``assembly``: runs the stages and maps every span back to the original text.
"""
