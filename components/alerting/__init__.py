"""Alert routing: who hears about an alert, and how (router, email, Chatbot, Health)."""
